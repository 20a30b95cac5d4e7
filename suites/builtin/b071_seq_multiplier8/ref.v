module TopModule (
  input             clk,
  input             reset,
  input             start,
  input      [7:0]  a,
  input      [7:0]  b,
  output reg        busy,
  output reg        done,
  output reg [15:0] product
);
  reg [15:0] mcand;
  reg [7:0]  mplier;
  reg [15:0] acc;
  reg [2:0]  cnt;
  wire [15:0] acc_next = acc + (mplier[0] ? mcand : 16'd0);
  always @(posedge clk) begin
    if (reset) begin
      busy    <= 1'b0;
      done    <= 1'b0;
      product <= 16'd0;
      mcand   <= 16'd0;
      mplier  <= 8'd0;
      acc     <= 16'd0;
      cnt     <= 3'd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          mcand  <= {8'd0, a};
          mplier <= b;
          acc    <= 16'd0;
          cnt    <= 3'd0;
          busy   <= 1'b1;
        end
      end else begin
        acc    <= acc_next;
        mcand  <= mcand << 1;
        mplier <= mplier >> 1;
        cnt    <= cnt + 3'd1;
        if (cnt == 3'd7) begin
          product <= acc_next;
          done    <= 1'b1;
          busy    <= 1'b0;
        end
      end
    end
  end
endmodule
